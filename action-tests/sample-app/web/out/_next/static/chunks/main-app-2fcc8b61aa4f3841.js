(self.webpackChunk_N_E=self.webpackChunk_N_E||[]).push([[744],{1:function(e,t,n){Promise.resolve().then(n.bind(n,2))}},function(e){e.O(0,[1],function(){return e(e.s=1)}),_N_E=e.O()}]);
